/// The dashboard's static files (web/dashboard/, embedded by
/// scripts/dashboard.py as `DashboardAssets.swift`): plain HTML, CSS and
/// JavaScript drawing SVG, with no library and no request anywhere but this
/// server's API. They hold no data, so they are served without a token
/// (`AccessRule.openPaths`); the script asks the API with the token its
/// user gives it.
public enum DashboardPage {
    public struct Asset: Sendable {
        public let path: String
        public let contentType: String
        public let body: String
    }

    public static let assets: [Asset] = [
        Asset(path: "/", contentType: "text/html; charset=utf-8", body: page),
        Asset(path: "/dashboard.css", contentType: "text/css; charset=utf-8", body: style),
        Asset(path: "/dashboard.js", contentType: "text/javascript; charset=utf-8", body: script),
    ]

    /// Sent with every asset: the page runs only its own script and style
    /// and talks only to this server; it cannot be framed; no address
    /// leaks in a Referer.
    public static let securityHeaders: [(String, String)] = [
        ("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
    ]
}
