"""Board agenda archive: uploads, the tamper-evident manifest, public views, the roster and
the draft agenda. See docs/agendas.md."""
