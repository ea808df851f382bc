"""The offline demo: the emulator with a sample mailbox, the real server, the offline model."""
