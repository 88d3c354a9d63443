DROP TABLE chain_head;
DROP TABLE events;
DROP TABLE clients;
DROP TABLE members;
