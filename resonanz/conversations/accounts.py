"""What conversations read of a channel account. The model lives in `channels`, a layer above (it holds
the adapters, which thread messages into conversations); conversations name it only by this shape and by
the string "channels.ChannelAccount" in their foreign keys."""

from __future__ import annotations

from typing import Any, Protocol

from resonanz.workspaces.models import Workspace


class ChannelAccountRef(Protocol):
    @property
    def pk(self) -> Any: ...

    @property
    def kind(self) -> str: ...

    @property
    def is_public(self) -> bool: ...

    @property
    def workspace_id(self) -> int: ...

    @property
    def workspace(self) -> Workspace: ...
