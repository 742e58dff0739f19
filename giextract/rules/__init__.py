"""The 勾稽关系 rules: equations shared by parsers and validators, and the validators themselves."""
