import FoundationEssentials
import Glibc

/// Questions and answers on standard input/output, for a person at a terminal or a script piping answers in.
/// On a terminal secrets are read without echo; at the end of the input every question fails with `EndOfInput`.
struct Prompter {
    struct EndOfInput: Error {}

    let isTerminal = isatty(STDIN_FILENO) == 1

    /// One answer on one line; an answer holding a CR or a NUL (which the file could not keep) is asked again.
    func line(_ question: String, default defaultValue: String? = nil, secret: Bool = false) throws -> String {
        while true {
            let answer = try rawLine(question, default: defaultValue, secret: secret)
            guard let problem = EditableText.problem(in: answer, what: "the answer") else { return answer }
            Console.out("  \(problem); type it again")
        }
    }

    private func rawLine(_ question: String, default defaultValue: String?, secret: Bool) throws -> String {
        let hint = defaultValue.map { $0.isEmpty ? "" : " [\($0)]" } ?? ""
        var saved = termios()
        let hideEcho = secret && isTerminal && tcgetattr(STDIN_FILENO, &saved) == 0
        if hideEcho {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &quiet)
        }
        // Echo is off before the prompt shows, so nothing typed after it is echoed.
        Console.out("\(question)\(hint): ", terminator: "")
        defer {
            if hideEcho {
                tcsetattr(STDIN_FILENO, TCSANOW, &saved)
                Console.out("")
            }
        }
        guard let answer = readLine(strippingNewline: true) else {
            if !isTerminal || !secret { Console.out("") }
            throw EndOfInput()
        }
        let trimmed = answer.trimmed
        if !isTerminal {
            let shown = EditableText.problem(in: trimmed, what: "") == nil ? trimmed : "(refused)"
            Console.out(secret && !trimmed.isEmpty ? "********" : shown)
        }
        return trimmed.isEmpty ? (defaultValue ?? "") : trimmed
    }

    /// Asks until `check` accepts the answer (it returns nil) and says why not otherwise.
    func checked(_ question: String, default defaultValue: String? = nil, secret: Bool = false,
                 _ check: (String) -> String?) throws -> String {
        while true {
            let answer = try line(question, default: defaultValue, secret: secret)
            guard let problem = check(answer) else { return answer }
            Console.out("  \(problem)")
        }
    }

    func yesNo(_ question: String, default defaultValue: Bool) throws -> Bool {
        let answer = try checked(question, default: defaultValue ? "Y/n" : "y/N") { answer in
            ["y", "yes", "n", "no", "y/n"].contains(answer.lowercased()) ? nil : "answer y or n"
        }
        switch answer.lowercased() {
        case "y", "yes": return true
        case "n", "no": return false
        default: return defaultValue   // the default shown as "Y/n" or "y/N"
        }
    }

    /// A numbered menu; the answer is a number or one of the names. Returns the index.
    func choose(_ question: String, _ options: [(name: String, description: String)], default index: Int) throws -> Int {
        for (number, option) in options.enumerated() {
            Console.out("  \(number + 1)) \(option.name)\(option.description.isEmpty ? "" : "  \(option.description)")")
        }
        var chosen = index
        _ = try checked(question, default: "\(index + 1)") { answer in
            if let number = Int(answer), (1...options.count).contains(number) {
                chosen = number - 1
                return nil
            }
            if let match = options.firstIndex(where: { $0.name.lowercased() == answer.lowercased() }) {
                chosen = match
                return nil
            }
            return "choose 1 to \(options.count) or a name from the list"
        }
        return chosen
    }
}
