collect_ignore = ["samples"]  # projects the tests copy and run elsewhere, not tests of this suite
