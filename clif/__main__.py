import sys

from clif.cli import main

sys.exit(main())
