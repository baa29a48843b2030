/// One Genesys conversation detail event (`v2.detail.events.conversation.{id}.user.start` / `.user.end`),
/// reduced to what the registry keeps. Parsed from the bare notification or the Amazon EventBridge envelope.
public struct InteractionEvent: Sendable, Equatable {
    /// Whether a user joined or left the conversation.
    public enum Kind: String, Sendable { case start, end }

    public var kind: Kind
    public var conversationId: String
    public var userId: String
    public var participantId: String?
    public var eventTime: AuditTime
    public var correlationId: String?
    /// `notification` or `eventbridge`.
    public var envelope: String

    public init(
        kind: Kind, conversationId: String, userId: String, participantId: String?, eventTime: AuditTime, correlationId: String?,
        envelope: String
    ) {
        self.kind = kind
        self.conversationId = conversationId
        self.userId = userId
        self.participantId = participantId
        self.eventTime = eventTime
        self.correlationId = correlationId
        self.envelope = envelope
    }

    /// The events endpoint takes at most this many bytes.
    public static let maxBytes = 64 * 1024

    /// Parses and validates a body; a failure names the offending field with a stable code.
    public static func parse(_ bytes: [UInt8]) -> Result<InteractionEvent, GatewayError> {
        let root: JSONValue
        do {
            root = try JSONParser.parse(bytes, maxDepth: 16)
        } catch {
            return .failure(GatewayError(.invalidJSON, "The body is not valid JSON: \(error.reason) at byte \(error.offset)."))
        }
        guard let members = root.objectMembers else { return .failure(GatewayError(.invalidJSON, "The body must be a JSON object.")) }
        if members.contains(where: { $0.0 == "detail-type" || $0.0 == "detail" }) {
            guard case .string(let source)? = Self.member(members, "source"), source.hasPrefix("aws.partner/genesys.com") else {
                return .failure(GatewayError(.invalidFormat, "An EventBridge event must come from aws.partner/genesys.com.", field: "source"))
            }
            guard case .string(let detailType)? = Self.member(members, "detail-type") else {
                return .failure(GatewayError(.missingField, "An EventBridge event needs detail-type.", field: "detail-type"))
            }
            guard let detail = Self.member(members, "detail")?.objectMembers else {
                return .failure(GatewayError(.invalidType, "detail must be an object.", field: "detail"))
            }
            return notification(detail, fieldPrefix: "detail.", envelope: "eventbridge", expectedTopic: detailType)
        }
        return notification(members, fieldPrefix: "", envelope: "notification", expectedTopic: nil)
    }

    private static func member(_ members: [(String, JSONValue)], _ name: String) -> JSONValue? {
        members.first { $0.0 == name }?.1
    }

    private static func notification(
        _ members: [(String, JSONValue)], fieldPrefix: String, envelope: String, expectedTopic: String?
    ) -> Result<InteractionEvent, GatewayError> {
        func fail(_ code: GatewayError.Code, _ message: String, _ field: String) -> Result<InteractionEvent, GatewayError> {
            .failure(GatewayError(code, message, field: fieldPrefix + field))
        }
        guard case .string(let topic)? = member(members, "topicName") else {
            return fail(.missingField, "topicName is required (a string).", "topicName")
        }
        if let expectedTopic, expectedTopic != topic {
            return .failure(GatewayError(.invalidFormat, "detail-type and detail.topicName differ.", field: "detail-type"))
        }
        guard let (topicConversation, kind) = parseTopic(topic) else {
            return fail(.invalidFormat, "Only v2.detail.events.conversation.{id}.user.start and .user.end are accepted.", "topicName")
        }
        guard let body = member(members, "eventBody")?.objectMembers else {
            return fail(.missingField, "eventBody is required (an object).", "eventBody")
        }
        guard case .string(let conversationId)? = member(body, "conversationId"), EventID.isCanonicalUUID(conversationId) else {
            return fail(.invalidFormat, "eventBody.conversationId must be a UUID.", "eventBody.conversationId")
        }
        guard conversationId == topicConversation else {
            return fail(.invalidFormat, "eventBody.conversationId differs from the topic's conversation.", "eventBody.conversationId")
        }
        guard case .string(let userId)? = member(body, "userId"), EventID.isCanonicalUUID(userId) else {
            return fail(.invalidFormat, "eventBody.userId must be a UUID.", "eventBody.userId")
        }
        guard case .number(let timeText)? = member(body, "eventTime"), let millis = Int64(timeText), millis > 0 else {
            return fail(.invalidFormat, "eventBody.eventTime must be epoch milliseconds (a whole number).", "eventBody.eventTime")
        }
        var participantId: String?
        if case .string(let id)? = member(body, "participantId") { participantId = String(id.prefix(64)) }
        var correlationId: String?
        if case .string(let id)? = member(members, "metadata")?.objectMembers.flatMap({ member($0, "CorrelationId") }) {
            correlationId = String(id.prefix(128))
        }
        return .success(InteractionEvent(
            kind: kind, conversationId: conversationId, userId: userId, participantId: participantId,
            eventTime: AuditTime(microseconds: millis * 1000), correlationId: correlationId, envelope: envelope))
    }

    /// `v2.detail.events.conversation.{uuid}.user.start|end` → (uuid, kind).
    static func parseTopic(_ topic: String) -> (String, Kind)? {
        let prefix = "v2.detail.events.conversation."
        guard topic.hasPrefix(prefix) else { return nil }
        let rest = topic.dropFirst(prefix.count)
        for kind in [Kind.start, .end] {
            let suffix = ".user.\(kind.rawValue)"
            if rest.hasSuffix(suffix) {
                let id = String(rest.dropLast(suffix.count))
                return EventID.isCanonicalUUID(id) ? (id, kind) : nil
            }
        }
        return nil
    }
}
