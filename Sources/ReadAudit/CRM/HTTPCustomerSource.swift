import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The CRM over HTTP (AsyncHTTPClient): one GET per read, keep-alive pooled, never cached.
public struct HTTPCustomerSource: CustomerSource {
    let configuration: CRMConfiguration
    let client: HTTPClient
    let tokens: OAuthTokenCache?
    let logger: Logger

    public init(configuration: CRMConfiguration, client: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
        if case .oauth2(let tokenURL, let clientId, let secret, let scope) = configuration.auth {
            tokens = OAuthTokenCache(tokenURL: tokenURL, clientId: clientId, clientSecret: secret, scope: scope, client: client)
        } else {
            tokens = nil
        }
    }

    /// The client settings the CRM configuration implies (timeouts, no redirects).
    public static func clientConfiguration(for configuration: CRMConfiguration) -> HTTPClient.Configuration {
        var client = HTTPClient.Configuration()
        client.timeout = .init(
            connect: .nanoseconds(Int64(configuration.connectTimeout / .nanoseconds(1))),
            read: .nanoseconds(Int64(configuration.readTimeout / .nanoseconds(1))))
        client.redirectConfiguration = .disallow
        client.connectionPool.idleTimeout = .seconds(60)
        // No tracer: AsyncHTTPClient otherwise opens a span (a no-op one, by default) and renders its
        // attributes for every CRM call, about 2 % of a read's CPU at the paced rate.
        client.tracing.tracer = nil
        return client
    }

    public func customer(id: String) async throws -> CustomerLookup {
        do {
            return try await attempt(id: id)
        } catch let error as CustomerSourceError {
            throw error
        } catch where Self.isConnectionFailure(error) {
            // One retry, on connection failure only: the GET has not reached the CRM, so it is safe to repeat.
            logger.debug("CRM connection failed; retrying once", metadata: ["error": "\(error)"])
            do {
                return try await attempt(id: id)
            } catch let error as CustomerSourceError {
                throw error
            } catch {
                throw Self.classify(error)
            }
        } catch {
            throw Self.classify(error)
        }
    }

    private func attempt(id: String) async throws -> CustomerLookup {
        var request = HTTPClientRequest(url: configuration.url(for: id))
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        switch configuration.auth {
        case .none: break
        case .bearer(let token): request.headers.add(name: "Authorization", value: "Bearer \(token.value)")
        case .oauth2:
            let token = try await tokens!.token()
            request.headers.add(name: "Authorization", value: "Bearer \(token.value)")
        }
        let timeout = TimeAmount.nanoseconds(Int64((configuration.connectTimeout + configuration.readTimeout) / .nanoseconds(1)))
        let response = try await client.execute(request, timeout: timeout, logger: logger)
        switch response.status.code {
        case 200:
            let body = try await collect(response)
            guard let members = (try? JSONParser.parse(Array(buffer: body)))?.objectMembers else {
                throw CustomerSourceError(.failed, "CRM answered 200 with a body that is not a JSON object")
            }
            var record: [String: JSONValue] = [:]
            for (key, value) in members { record[key] = value }
            return .found(record)
        case 404:
            return .notFound
        case 401, 403:
            await tokens?.invalidate()
            throw CustomerSourceError(.failed, "CRM refused the gateway's credentials (HTTP \(response.status.code))")
        default:
            throw CustomerSourceError(.failed, "CRM answered HTTP \(response.status.code)")
        }
    }

    private func collect(_ response: HTTPClientResponse) async throws -> ByteBuffer {
        do {
            return try await response.body.collect(upTo: configuration.maxResponseBytes)
        } catch let error as NIOTooManyBytesError {
            throw CustomerSourceError(.failed, "CRM response exceeds \(configuration.maxResponseBytes) bytes (\(error))")
        }
    }

    static func isConnectionFailure(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError {
            return error == .connectTimeout || error == .remoteConnectionClosed
        }
        if String(reflecting: type(of: error)).hasSuffix("NIOConnectionError") { return true }
        if let error = error as? IOError { return [ECONNREFUSED, ECONNRESET, EHOSTUNREACH, ENETUNREACH].contains(error.errnoCode) }
        if let error = error as? ChannelError, case .connectTimeout = error { return true }
        return false
    }

    static func classify(_ error: any Error) -> CustomerSourceError {
        if let error = error as? HTTPClientError,
            error == .readTimeout || error == .deadlineExceeded || error == .connectTimeout || error == .getConnectionFromPoolTimeout
        {
            return CustomerSourceError(.timeout, "\(error)")
        }
        return CustomerSourceError(.failed, "\(error)")
    }
}
