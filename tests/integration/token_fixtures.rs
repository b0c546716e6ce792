//! `TestApp` helpers that make tokens through the server functions, as the
//! Tokens page does.

use axum::http::StatusCode;
use serde_json::Value;

use crate::common::{Response, TestApp, ALL_SCOPES};

impl TestApp {
    /// Generates and saves a token through the server functions, with every
    /// scope.
    pub async fn create_token(&self, cookie: &str, name: &str, expiry: &str) -> (String, Value) {
        let secret = self.generate_token(cookie).await;
        let saved = self.save_token(cookie, &secret, name, expiry).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
        (secret, saved.json())
    }

    /// A token generated for the *API token* field, not yet saved.
    pub async fn generate_token(&self, cookie: &str) -> String {
        let generated = self
            .call::<account_settings::api::tokens::GenerateToken>(Some(cookie), &[])
            .await;
        assert_eq!(generated.status, StatusCode::OK, "{}", generated.text());
        generated.json()["secret"]
            .as_str()
            .expect("secret")
            .to_owned()
    }

    /// Saves a generated token (`expiry` in days, as the select sends it)
    /// with every scope.
    pub async fn save_token(
        &self,
        cookie: &str,
        secret: &str,
        name: &str,
        expiry: &str,
    ) -> Response {
        self.save_token_with(cookie, secret, name, expiry, ALL_SCOPES)
            .await
    }

    /// Saves a generated token with the given scopes (names, separated by
    /// spaces).
    pub async fn save_token_with(
        &self,
        cookie: &str,
        secret: &str,
        name: &str,
        expiry: &str,
        scopes: &str,
    ) -> Response {
        self.call::<account_settings::api::tokens::SaveToken>(
            Some(cookie),
            &[
                ("secret", secret),
                ("name", name),
                ("expiry", expiry),
                ("expires_on", ""),
                ("scopes", scopes),
            ],
        )
        .await
    }

    /// Generates and saves a token with the given scopes; returns its secret
    /// and id.
    pub async fn create_token_with(&self, cookie: &str, scopes: &str) -> (String, i64) {
        let secret = self.generate_token(cookie).await;
        let saved = self
            .save_token_with(cookie, &secret, "", "30", scopes)
            .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
        let id = saved.json()["id"].as_i64().expect("id");
        (secret, id)
    }
}
