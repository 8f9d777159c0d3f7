// AWS clients (S3, SQS, DynamoDB) over SigV4 and HTTPTransport.
@_exported import SigV4
