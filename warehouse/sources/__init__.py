"""Where raw data comes from: objects in S3 or local directories, and rows of an operational database."""
