import sys

from changjing.cli import main

sys.exit(main())
