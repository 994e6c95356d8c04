"""Nothing here: the tools keep their helpers in tools/tool_utils.py."""
