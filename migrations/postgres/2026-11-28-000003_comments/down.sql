DROP TABLE comments;
DROP TABLE comment_periods;
