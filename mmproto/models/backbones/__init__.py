from .regnety import RegNetY
