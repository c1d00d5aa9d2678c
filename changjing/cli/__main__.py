from changjing.cli import entry

entry()
