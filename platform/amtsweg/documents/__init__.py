"""Documents: uploaded files, their storage backends, content checks and virus scanning."""
