"""One JSON object per log line, for both daemons: {"time", "level", "logger", "event", ...fields}.

`log_event(logger, "batch_built", batch=3)` logs an event with fields; a plain `log.info("text %s", x)`
becomes {"event": "message", "message": "text …"}.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

_FIELDS = "greenfi_fields"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, _FIELDS, None)
        line = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
                "level": record.levelname.lower(), "logger": record.name}
        if fields is None:
            line |= {"event": "message", "message": record.getMessage()}
        else:
            line |= fields
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log `event` with `fields` (JSON-serialisable, or shown with str()); the record's message is the
    same object as JSON, so a handler without JsonFormatter still writes one JSON object."""
    line = {"event": event, **fields}
    logger.log(level, json.dumps(line, default=str), extra={_FIELDS: line})


def configure(level: int = logging.INFO) -> None:
    """Send the root logger's records to stderr as JSON lines (a daemon calls this once at start)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=level, handlers=[handler])  # a no-op when logging is already set up (tests)
