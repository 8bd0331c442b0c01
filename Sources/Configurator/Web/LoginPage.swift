/// The login form: one password field (the password set with `smartmeter-config web-password`).
enum LoginPage {
    static func render(csrf: String, message: String?, locked: Int?) -> String {
        var body = "<h1>smartmeter-config</h1><p>Log in to configure the smart meter data collector.</p>"
        if let locked {
            body += "<p class=\"notice bad\" id=\"locked\">Too many wrong passwords: the login is locked for \(locked) s.</p>"
        } else if let message {
            body += "<p class=\"notice bad\" id=\"login-message\">\(HTMLText.escape(message))</p>"
        }
        body += HTMLText.form(action: "/login", csrf: csrf, id: "login", """
            <p><label for="password">Password</label>
            <input type="password" id="password" name="password" autocomplete="current-password" autofocus></p>
            <p><button type="submit" id="login-button">Log in</button></p>
            """)
        return HTMLText.page(title: "smartmeter-config: log in", body: body)
    }
}
