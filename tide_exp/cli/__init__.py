"""The ``tide`` command line: one entry point, one subcommand per task (see :mod:`.main`)."""
