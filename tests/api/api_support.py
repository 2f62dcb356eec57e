"""Constants, helpers and test doubles shared by the API tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

KEY = "test-key-1234"

OPINION = (
    "The corrupt elite lied again, the minister said on 3 May 2024.\n\n"
    "Officials claimed 12,000 jobs were lost, according to the union. "
    "Radical thugs destroyed the square, Mayor Anna Berg told reporters."
)


def store(client: TestClient, text: str, **meta: str) -> dict[str, Any]:
    """Analyse and store one text; return the document JSON."""
    response = client.post(
        "/api/v1/analyze",
        json={"text": text, "store": True, "meta": meta or None},
        headers={"X-API-Key": KEY},
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


class WordsEmbedder:
    """A test double for the sentence encoder: hashed bags of words, so shared words mean close."""

    def embed(self, texts: list[str]) -> Any:
        import zlib

        import numpy as np

        vectors = np.zeros((len(texts), 256), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                vectors[row, zlib.crc32(word.strip(".,!?").encode()) % 256] += 1.0
        return vectors
