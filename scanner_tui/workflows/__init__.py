"""Floor workflows: one state machine per task, outside Textual (see ``base``); the menu's
list of them is ``registry.WORKFLOWS``."""
