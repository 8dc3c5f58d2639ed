if __name__ != "nestflow.deploy":
    # The folder installs as nestflow.deploy; importing it as `deploy` would load a second
    # copy of every module (and of its state) next to the first.
    raise ImportError("import nestflow.deploy, not deploy (the folder installs under nestflow.)")
