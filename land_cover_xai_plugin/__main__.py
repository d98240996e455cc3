"""python -m land_cover_xai_plugin — the headless command line."""
import sys

from .cli.main import main

sys.exit(main())
