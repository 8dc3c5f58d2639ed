"""DXF corpora for the reader: generated malformed drawings, real drawings from public sources."""
