import Foundation

/// One e-mail with a plain-text and an HTML body, sent as SES v2 "Simple" content (SES builds the MIME message).
public struct SESEmail: Sendable, Equatable {
    /// A verified identity (address, or an address at a verified domain).
    public var from: String
    public var to: [String]
    public var subject: String
    public var text: String
    public var html: String
    /// Message tags SES passes to event destinations (name → value; `[A-Za-z0-9_-]` only, at most 256 characters).
    public var tags: [String: String]

    public init(from: String, to: [String], subject: String, text: String, html: String, tags: [String: String] = [:]) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.tags = tags
    }
}

// MARK: Wire shapes of SES v2 (botocore model `sesv2/2019-09-27`), member names as the model spells them

struct SESContentText: Encodable {
    let Data: String
    let Charset = "UTF-8"
}

struct SESSendEmailInput: Encodable {
    struct DestinationShape: Encodable { let ToAddresses: [String] }
    struct BodyShape: Encodable {
        let Text: SESContentText
        let Html: SESContentText
    }
    struct SimpleShape: Encodable {
        let Subject: SESContentText
        let Body: BodyShape
    }
    struct ContentShape: Encodable { let Simple: SimpleShape }
    struct TagShape: Encodable {
        let Name: String
        let Value: String
    }

    let FromEmailAddress: String
    let Destination: DestinationShape
    let Content: ContentShape
    let EmailTags: [TagShape]?

    init(_ email: SESEmail) {
        FromEmailAddress = email.from
        Destination = DestinationShape(ToAddresses: email.to)
        Content = ContentShape(
            Simple: SimpleShape(
                Subject: SESContentText(Data: email.subject),
                Body: BodyShape(Text: SESContentText(Data: email.text), Html: SESContentText(Data: email.html))
            )
        )
        EmailTags =
            email.tags.isEmpty
            ? nil : email.tags.sorted { $0.key < $1.key }.map { TagShape(Name: $0.key, Value: $0.value) }
    }
}

struct SESSendEmailOutput: Decodable {
    let MessageId: String?
}

struct SESCreateEmailIdentityInput: Encodable {
    let EmailIdentity: String
}
