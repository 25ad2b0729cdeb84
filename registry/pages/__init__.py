"""Server-rendered pages for lobbyists: sign in, and the registration form (plain HTML that
talks to the JSON API, so the form and the API can never disagree on the rules)."""
