"""Tables by rules: table 二 (active disclosure), 三 (applications), 四 (review/litigation), and the
legacy statistics table."""
