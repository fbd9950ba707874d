"""The one exception the recipe raises on purpose.

Its message is the whole story for the user (what failed, where, what to do);
the command line prints it without a traceback and exits non-zero.
"""


class RecipeError(Exception):
    pass
