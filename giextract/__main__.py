from giextract.cli import main

raise SystemExit(main())
