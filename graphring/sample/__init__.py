"""A seeded sample marketplace with planted rings, written as a DATA_CONTRACT data folder
(:func:`write_sample`); everyday honest sharing (:mod:`graphring.sample.sharing`) and rings
built to stay unseen (:mod:`graphring.sample.patterns`) can be added."""

from graphring.sample.generate import SampleInfo, generate, write_sample
from graphring.sample.sharing import EverydaySharing

__all__ = ["EverydaySharing", "SampleInfo", "generate", "write_sample"]
