// Callers of the AWS clients get the signer's and the transport's types too.
@_exported import HTTPTransport
@_exported import SigV4
