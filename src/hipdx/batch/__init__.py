"""Scoring many cases: structured rows through one vectorised matrix path (`score_matrix`), notes
read in parallel processes, every row scored or reported; files in and out in chunks
(`run_batch`), on this machine or on a Dask cluster. Core-adjacent: uses the engine, never an
interface; pyarrow and Dask are imported only here.
"""

from __future__ import annotations

from hipdx.batch._chunks import Chunk, ChunkResult, Scored, score_chunk
from hipdx.batch._matrix import CaseMatrix, Encoded, Scores, encode_matrix, score_matrix
from hipdx.batch._run import BatchSummary, count_rows, file_format, run_batch

__all__ = [
    "BatchSummary",
    "CaseMatrix",
    "Chunk",
    "ChunkResult",
    "Encoded",
    "Scored",
    "Scores",
    "count_rows",
    "encode_matrix",
    "file_format",
    "run_batch",
    "score_chunk",
    "score_matrix",
]
