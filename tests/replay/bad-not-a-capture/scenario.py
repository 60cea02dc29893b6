"""bad-not-a-capture: a text file named like a capture."""


def build(out):
    (out / "notes.pcap").write_text("These are shift notes, not a capture.\n" * 20)
