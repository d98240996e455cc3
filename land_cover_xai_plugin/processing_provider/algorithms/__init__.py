"""One file per Processing algorithm over processing_provider/base.py."""
