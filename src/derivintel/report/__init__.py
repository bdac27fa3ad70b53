"""One report model and its renderers (Markdown, JSON)."""
