# lib/ - shared services for every check.
MODULES += lib
