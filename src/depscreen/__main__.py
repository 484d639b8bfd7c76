"""``python -m depscreen``: the same as the ``depscreen`` command (:func:`depscreen.cli.main`)."""

from depscreen.cli import main

if __name__ == "__main__":
    main()
