"""Review, retention and disposal: review dates by review group, the due and overdue list,
review records, and disposal that keeps what other material still supports."""
