"""Tables as grids: the structured readers (``html``, ``docx``, ``pdf``) build them while writing the
reader's text, and text layouts are recovered into them; every cell's span points into that text."""
