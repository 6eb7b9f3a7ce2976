import sys

from ramsts.cli import main

sys.exit(main())
