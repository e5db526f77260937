//! Code generation from the parsed model (`orm_schema::parse`).

use orm_schema::parse::{parse_model, parse_partial, table_tokens, FieldDef, ModelDef, RelationKind};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// Stand-in impls of `Model` (and what it requires) for a struct whose derive failed: uses of the
/// model then compile against them, and only the derive's own errors are reported. Never run: the
/// crate does not compile while the errors stand.
pub fn stub(input: &syn::DeriveInput) -> TokenStream {
    let ident = &input.ident;
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let name = ident.to_string();
    let never = quote!(::core::unreachable!("`#[derive(Model)]` failed for this struct"));
    quote! {
        const _: () = {
            impl ::orm_core::FromRow for #ident {
                fn from_row<R: ::orm_core::RowAccess>(_: &R) -> ::orm_core::Result<Self> { #never }
            }
            impl ::orm_core::Model for #ident {
                type Key = i64;
                const NAME: &'static str = #name;
                const TABLE: &'static str = #name;
                const PRIMARY_KEY: &'static [&'static str] = &[];
                fn schema() -> &'static ::orm_core::schema::Table { #never }
                fn column_names() -> &'static [&'static str] { &[] }
                fn values(&self) -> ::std::vec::Vec<::orm_core::Value> { #never }
                fn key_values(&self) -> ::std::vec::Vec<::orm_core::Value> { #never }
            }
        };
    }
}

/// The `impl`s for `#[derive(Model)]`.
pub fn model(input: &syn::DeriveInput) -> syn::Result<TokenStream> {
    let def = parse_model(input)?;
    let ident = &def.ident;
    let vis = &input.vis;
    let name = ident.to_string();
    let schema = table_tokens(&def.table, &quote!(::orm_core::schema));
    let table_name = &def.table.name;
    let primary_key = &def.table.primary_key;

    let constants = def.column_fields().map(|f| {
        let column = f.column.as_deref().unwrap_or_default();
        let const_name = format_ident!("{}", f.ident.to_string().trim_start_matches("r#").to_uppercase());
        let ty = &f.ty;
        let doc = format!("The `{column}` column.");
        quote! {
            #[doc = #doc]
            #vis const #const_name: ::orm_core::Column<#ident, #ty> = ::orm_core::Column::new(#column);
        }
    });
    let decode = decode_fields(&name, &def.fields);
    let column_names = def.column_fields().map(|f| f.column.as_deref().unwrap_or_default());
    let values = def.column_fields().map(|f| {
        let field = &f.ident;
        quote!(::orm_core::FieldType::to_value(&self.#field))
    });
    let into_values = def.column_fields().map(|f| {
        let field = &f.ident;
        quote!(::orm_core::FieldType::into_value(self.#field))
    });
    let key_fields: Vec<&FieldDef> = def
        .table
        .primary_key
        .iter()
        .filter_map(|pk| def.fields.iter().find(|f| f.column.as_deref() == Some(pk.as_str())))
        .collect();
    let key_values = key_fields.iter().map(|f| {
        let field = &f.ident;
        quote!(::orm_core::FieldType::to_value(&self.#field))
    });
    let key_type = match key_fields.as_slice() {
        [single] => {
            let ty = &single.ty;
            quote!(#ty)
        }
        many => {
            let tys = many.iter().map(|f| &f.ty);
            quote!((#(#tys),*))
        }
    };

    let role = |c: &Option<String>| match c {
        Some(c) => quote!(::std::option::Option::Some(#c)),
        None => quote!(::std::option::Option::None),
    };
    let (created_at, updated_at, soft_delete) = (role(&def.created_at), role(&def.updated_at), role(&def.soft_delete));
    let cache_policy = match def.cache {
        None => quote! {},
        Some(None) => quote! {
            fn cache_policy() -> ::orm_core::CachePolicy {
                ::orm_core::CachePolicy::Default
            }
        },
        Some(Some(ms)) => quote! {
            fn cache_policy() -> ::orm_core::CachePolicy {
                ::orm_core::CachePolicy::For(::std::time::Duration::from_millis(#ms))
            }
        },
    };
    let (clone_for_hooks, hooks_impl) = if def.hooks {
        (
            quote! {
                fn clone_for_hooks(&self) -> ::std::option::Option<Self> {
                    ::std::option::Option::Some(::core::clone::Clone::clone(self))
                }
                fn hooks(&self) -> ::std::option::Option<&dyn ::orm_core::Hooks> {
                    ::std::option::Option::Some(self)
                }
                fn hooks_mut(&mut self) -> ::std::option::Option<&mut dyn ::orm_core::Hooks> {
                    ::std::option::Option::Some(self)
                }
            },
            quote!(),
        )
    } else {
        // Hooks implemented without `#[orm(hooks)]` would never run: say so at compile time. An
        // inherent constant applies when the model implements `Hooks`, the trait's otherwise.
        let message = format!("`{name}` implements `orm_core::Hooks`: add `#[orm(hooks)]` to the struct so they run");
        (
            quote!(),
            quote! {
                const _: () = {
                    #[allow(unused_imports)]
                    use ::orm_core::__private::NoHooks as _;
                    ::core::assert!(!::orm_core::__private::HooksProbe::<#ident>::IMPLEMENTED, #message);
                };
            },
        )
    };
    let (relation_consts, relation_fks, registrations) = relations(&def, vis);
    let column_arms = def.column_fields().map(|f| {
        let field = &f.ident;
        let column = f.column.as_deref().unwrap_or_default();
        quote!(#column => ::std::option::Option::Some(::orm_core::FieldType::to_value(&self.#field)),)
    });
    let custom_checks = def.column_fields().flat_map(|f| {
        let field = &f.ident;
        let column = f.column.as_deref().unwrap_or_default();
        f.custom_validators.iter().map(move |path| {
            quote! {
                if let ::core::result::Result::Err(message) = #path(&self.#field) {
                    errors.push(::orm_core::FieldError {
                        field: ::std::string::String::from(#column),
                        rule: "custom",
                        message: ::std::string::ToString::to_string(&message),
                    });
                }
            }
        })
    });
    Ok(quote! {
        const _: () = {
            impl #ident {
                #(#constants)*
                #(#relation_consts)*
            }

            impl ::orm_core::FromRow for #ident {
                fn from_row<R: ::orm_core::RowAccess>(row: &R) -> ::orm_core::Result<Self> {
                    ::core::result::Result::Ok(#decode)
                }
            }

            impl ::orm_core::Model for #ident {
                type Key = #key_type;
                const NAME: &'static str = #name;
                const TABLE: &'static str = #table_name;
                const PRIMARY_KEY: &'static [&'static str] = &[#(#primary_key),*];

                fn schema() -> &'static ::orm_core::schema::Table {
                    static SCHEMA: ::orm_core::__private::OnceLock<::orm_core::schema::Table> =
                        ::orm_core::__private::OnceLock::new();
                    SCHEMA.get_or_init(|| {
                        #[allow(unused_mut)]
                        let mut table = #schema;
                        #(#relation_fks)*
                        table
                    })
                }

                fn column_names() -> &'static [&'static str] {
                    &[#(#column_names),*]
                }

                fn values(&self) -> ::std::vec::Vec<::orm_core::Value> {
                    ::std::vec![#(#values),*]
                }

                fn into_values(self) -> ::std::vec::Vec<::orm_core::Value> {
                    ::std::vec![#(#into_values),*]
                }

                fn key_values(&self) -> ::std::vec::Vec<::orm_core::Value> {
                    ::std::vec![#(#key_values),*]
                }

                fn column_value(&self, column: &str) -> ::std::option::Option<::orm_core::Value> {
                    match column {
                        #(#column_arms)*
                        _ => ::std::option::Option::None,
                    }
                }

                fn roles() -> ::orm_core::Roles {
                    ::orm_core::Roles { created_at: #created_at, updated_at: #updated_at, soft_delete: #soft_delete }
                }

                #clone_for_hooks

                #cache_policy

                fn custom_validation(&self) -> ::std::vec::Vec<::orm_core::FieldError> {
                    let mut errors = ::std::vec::Vec::new();
                    #(#custom_checks)*
                    errors
                }
            }

            #hooks_impl

            #(#registrations)*
        };
    })
}

fn action(a: orm_schema::ReferentialAction) -> TokenStream {
    use orm_schema::ReferentialAction as R;
    match a {
        R::NoAction => quote!(::orm_core::schema::ReferentialAction::NoAction),
        R::Restrict => quote!(::orm_core::schema::ReferentialAction::Restrict),
        R::Cascade => quote!(::orm_core::schema::ReferentialAction::Cascade),
        R::SetNull => quote!(::orm_core::schema::ReferentialAction::SetNull),
        R::SetDefault => quote!(::orm_core::schema::ReferentialAction::SetDefault),
    }
}

/// The relation constants (`Post::user`), the foreign keys `belongs_to` adds to the schema, and
/// their registrations for deletes on MongoDB.
fn relations(def: &ModelDef, vis: &syn::Visibility) -> (Vec<TokenStream>, Vec<TokenStream>, Vec<TokenStream>) {
    let ident = &def.ident;
    let mut consts = Vec::new();
    let mut fks = Vec::new();
    let mut registrations = Vec::new();
    for r in &def.relations {
        let name = &r.name;
        let const_ident = format_ident!("{}", name);
        let target = &r.target;
        let fk = &r.foreign_key;
        let target_key = r.target_key.clone().unwrap_or_default();
        let kind = match r.kind {
            RelationKind::BelongsTo => quote!(::orm_core::relation::BelongsTo),
            RelationKind::HasMany => quote!(::orm_core::relation::HasMany),
            RelationKind::HasOne => quote!(::orm_core::relation::HasOne),
            RelationKind::ManyToMany => {
                let through = r.through.as_ref().expect("checked by the parser");
                quote!(::orm_core::relation::ManyToMany<#through>)
            }
        };
        let doc = format!("The `{name}` relation.");
        consts.push(quote! {
            #[doc = #doc]
            #[allow(non_upper_case_globals)]
            #vis const #const_ident: ::orm_core::Relation<#ident, #target, #kind> = ::orm_core::Relation::new(#name, #fk, #target_key);
        });
        if r.kind == RelationKind::BelongsTo {
            let (on_delete, on_update) = (action(r.on_delete), action(r.on_update));
            // The target's name and key come from constants, not from its schema(): two models
            // referencing each other would otherwise each initialise their schema inside the
            // other's, and deadlock.
            let target_table = quote!(<#target as ::orm_core::Model>::TABLE);
            let target_key = quote!(<#target as ::orm_core::Model>::PRIMARY_KEY.iter().map(|c| ::std::string::String::from(*c)).collect());
            fks.push(quote! {
                table.add_belongs_to(#fk, #target_table, #target_key, #on_delete, #on_update);
            });
            registrations.push(register(ident, fk, quote!(<#target as ::orm_core::Model>::TABLE)));
        }
    }
    // Struct-level single-column foreign keys too (a `belongs_to` on the same column registers it
    // already: the schema holds one key per column).
    for fk in def.table.foreign_keys.iter().filter(|fk| fk.columns.len() == 1) {
        let column = &fk.columns[0];
        if !def.relations.iter().any(|r| r.kind == RelationKind::BelongsTo && &r.foreign_key == column) {
            let target = &fk.references_table;
            registrations.push(register(ident, column, quote!(#target)));
        }
    }
    (consts, fks, registrations)
}

/// Registers the foreign key on `column` of model `ident`, pointing at table `target`: for deletes
/// on MongoDB, which apply its `on_delete` action themselves (read from the schema), and for soft
/// deletes on every backend, which cascade to a soft-deleting model's rows.
fn register(ident: &syn::Ident, column: &str, target: TokenStream) -> TokenStream {
    let model = ident.to_string();
    quote! {
        ::orm_core::__private::inventory::submit! {
            ::orm_core::__private::Reference {
                model: #model,
                schema: <#ident as ::orm_core::Model>::schema,
                column: #column,
                target: #target,
            }
        }
        ::orm_core::__private::inventory::submit! {
            ::orm_core::__private::SoftCascade {
                target: #target,
                column: #column,
                schema: <#ident as ::orm_core::Model>::schema,
                run: ::orm_core::__private::soft_delete_dependents::<#ident>,
            }
        }
    }
}

/// `Self { field: row.get(i)?, skipped: Default::default(), ... }`, decoding columns in order.
fn decode_fields(model: &str, fields: &[FieldDef]) -> TokenStream {
    let mut index = 0usize;
    let inits = fields.iter().map(|f| {
        let field = &f.ident;
        let ty = &f.ty;
        match &f.column {
            None => quote!(#field: ::core::default::Default::default()),
            Some(column) => {
                let i = index;
                index += 1;
                quote! {
                    #field: ::orm_core::RowAccess::get::<#ty>(row, #i)
                        .map_err(|e| ::orm_core::Error::decode(#model, #column, e))?
                }
            }
        }
    });
    let inits: Vec<TokenStream> = inits.collect();
    quote!(Self { #(#inits),* })
}

/// The `impl`s for `#[derive(FromRow)]`.
pub fn partial(input: &syn::DeriveInput) -> syn::Result<TokenStream> {
    let def = parse_partial(input)?;
    let ident = &def.ident;
    let decode = decode_fields(&ident.to_string(), &def.fields);
    let columns = def.fields.iter().filter_map(|f| f.column.as_deref());
    Ok(quote! {
        const _: () = {
            impl ::orm_core::FromRow for #ident {
                fn from_row<R: ::orm_core::RowAccess>(row: &R) -> ::orm_core::Result<Self> {
                    ::core::result::Result::Ok(#decode)
                }
            }
            impl ::orm_core::Partial for #ident {
                fn columns() -> &'static [&'static str] {
                    &[#(#columns),*]
                }
            }
        };
    })
}

#[cfg(test)]
mod tests;
