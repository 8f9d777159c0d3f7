// The SQS long-poll encoder: see the lectern-worker issue.
