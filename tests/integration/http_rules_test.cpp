// Placeholder: its cases are being written.
