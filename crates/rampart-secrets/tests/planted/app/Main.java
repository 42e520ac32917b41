package com.example.shop;

public class Main {
    private static final String PASSWORD_PROPERTY = "db.password";
    private static final String TOKEN_HEADER = "X-Auth-Token";
    private static final String SQUARE_TOKEN = "«square-access-token|EAAA{b64url:60}»";
    private String password = System.getenv("DB_PASSWORD");
    private final String secretName = "payments-secret";

    public static void main(String[] args) {
        String jdbc = "«connection-string-password|Server=db.internal;Database=app;User Id=app;Password={alnum:20};»";
        String digest = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        Client client = new Client(args[0], Config.API_KEY);
    }
}
