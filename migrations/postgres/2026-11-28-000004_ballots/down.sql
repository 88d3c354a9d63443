DROP TABLE ratifications;
DROP TABLE ballot_electorate;
DROP TABLE ballots;
