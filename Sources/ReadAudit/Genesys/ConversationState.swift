/// What the gateway knows about a Genesys conversation: its times and who took part. Never customer data.
public struct ConversationState: Sendable, Equatable {
    /// One participant: its purpose (`agent`, `customer`, ...), Genesys user id, and when it left.
    public struct Participant: Sendable, Equatable {
        public var purpose: String
        public var userId: String?
        public var startTime: AuditTime?
        public var endTime: AuditTime?
        public init(purpose: String, userId: String?, startTime: AuditTime? = nil, endTime: AuditTime? = nil) {
            self.purpose = purpose
            self.userId = userId
            self.startTime = startTime
            self.endTime = endTime
        }
    }

    public var startTime: AuditTime?
    /// Nil while the conversation is active.
    public var endTime: AuditTime?
    public var participants: [Participant]

    public init(startTime: AuditTime?, endTime: AuditTime?, participants: [Participant]) {
        self.startTime = startTime
        self.endTime = endTime
        self.participants = participants
    }

    /// The agent participants that are this user (a transfer back can add the same user twice).
    public func agentSegments(of userId: String) -> [Participant] {
        participants.filter { $0.purpose == "agent" && $0.userId == userId }
    }

    /// Parses the body of `GET /api/v2/conversations/{id}`; unknown members are ignored, wrong types fail.
    public static func parse(_ bytes: [UInt8]) throws(GenesysError) -> ConversationState {
        let root: JSONValue
        do { root = try JSONParser.parse(bytes, maxDepth: 32) } catch { throw GenesysError("conversation body is not JSON: \(error.reason)") }
        guard let members = root.objectMembers else { throw GenesysError("conversation body is not an object") }
        func member(_ members: [(String, JSONValue)], _ name: String) -> JSONValue? { members.first { $0.0 == name }?.1 }
        func time(_ members: [(String, JSONValue)], _ name: String) throws(GenesysError) -> AuditTime? {
            switch member(members, name) {
            case nil, .null?: return nil
            case .string(let text)?:
                guard let time = AuditTime(parsing: text) else { throw GenesysError("\(name) is not an ISO-8601 time") }
                return time
            default: throw GenesysError("\(name) is not a string")
            }
        }
        var participants: [Participant] = []
        switch member(members, "participants") {
        case nil, .null?: break
        case .array(let list)?:
            for item in list {
                guard let fields = item.objectMembers else { throw GenesysError("a participant is not an object") }
                guard case .string(let purpose)? = member(fields, "purpose") else { continue }
                var userId: String?
                if case .string(let id)? = member(fields, "userId") { userId = id }
                var start = try time(fields, "connectedTime")
                if start == nil { start = try time(fields, "startTime") }
                participants.append(Participant(purpose: purpose, userId: userId, startTime: start, endTime: try time(fields, "endTime")))
            }
        default: throw GenesysError("participants is not an array")
        }
        return ConversationState(startTime: try time(members, "startTime"), endTime: try time(members, "endTime"), participants: participants)
    }
}

/// A failure talking to Genesys (unreachable, refused, unreadable answer). Detail is for the log only.
public struct GenesysError: Error, Sendable, CustomStringConvertible {
    public var detail: String
    public init(_ detail: String) { self.detail = detail }
    public var description: String { detail }
}
