//! `#[derive(Model)]` and `#[derive(FromRow)]` for the orm toolkit. Use them through `orm-core`,
//! which re-exports both; the attributes are documented there.

use proc_macro::TokenStream;

mod expand;

/// Maps a struct to a table: typed column handles, the neutral schema, row decoding and value lists.
#[proc_macro_derive(Model, attributes(orm))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    match expand::model(&input) {
        Ok(tokens) => tokens.into(),
        // The errors, and stand-in impls so that uses of the model (`User::find()`) do not pile
        // further errors on top of the cause, as serde's derive does.
        Err(e) => {
            let mut out = e.into_compile_error();
            out.extend(expand::stub(&input));
            out.into()
        }
    }
}

/// Decodes a row holding some of a model's columns into a plain struct (`Select::into_partial`).
#[proc_macro_derive(FromRow, attributes(orm))]
pub fn derive_from_row(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::partial(&input).unwrap_or_else(syn::Error::into_compile_error).into()
}
