"""The Label Studio writers: import tasks with the persuasion layer as predictions, and the
labelling config for the 14 techniques."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from unspin.document import Document
from unspin.formats.view import (
    PERSUASION,
)
from unspin.taxonomy import GROUPS, technique

__all__ = ["label_studio_config", "label_studio_tasks"]


def label_studio_config() -> str:
    """Return a Label Studio labelling config for the 14 techniques, coloured by group."""
    from unspin.taxonomy import TECHNIQUES

    labels = []
    for label in TECHNIQUES:
        grp = GROUPS[technique(label).group]
        labels.append(
            f'    <Label value="{html.escape(label, quote=True)}" background="{grp.colour}"/>'
        )
    return (
        "<View>\n"
        '  <Labels name="technique" toName="text">\n' + "\n".join(labels) + "\n  </Labels>\n"
        '  <Text name="text" value="$text" granularity="symbol"/>\n'
        "</View>\n"
    )


def label_studio_tasks(
    docs: Iterable[Document], *, layer: str = PERSUASION
) -> list[dict[str, Any]]:
    """Return Label Studio import tasks, with the persuasion layer as predictions.

    Offsets are code points, as Label Studio stores them for ``Text`` since its emoji fix; each
    result also carries the span text so a mismatch is visible. A document without the layer
    becomes a task without predictions (to annotate from scratch). Use with
    :func:`label_studio_config`.

    Args:
        docs: the documents.
        layer: the layer to turn into predictions.

    Returns:
        A JSON-ready list of tasks (``json.dump`` it to a file and import it).
    """
    tasks: list[dict[str, Any]] = []
    for doc in docs:
        data: dict[str, Any] = {"text": doc.text, "unspin_id": doc.id}
        for key in ("title", "source", "published"):
            if doc.meta.get(key):
                data[key] = str(doc.meta[key])
        task: dict[str, Any] = {"data": data}
        found = doc.layers.get(layer)
        if found is not None:
            results = []
            scores = []
            for k, span in enumerate(found.spans):
                if span.end <= span.start:
                    continue
                result: dict[str, Any] = {
                    "id": f"{doc.id[:8]}-{k}",
                    "from_name": "technique",
                    "to_name": "text",
                    "type": "labels",
                    "value": {
                        "start": span.start,
                        "end": span.end,
                        "text": doc.text[span.start : span.end],
                        "labels": [span.label],
                    },
                }
                if span.score is not None:
                    result["score"] = float(span.score)
                    scores.append(float(span.score))
                results.append(result)
            prediction: dict[str, Any] = {
                "model_version": found.producer or "unspin",
                "result": results,
            }
            if scores:
                prediction["score"] = sum(scores) / len(scores)
            task["predictions"] = [prediction]
        tasks.append(task)
    return tasks
