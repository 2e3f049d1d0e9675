# Pustaka AR back office — operations (media library, catalogue import,
# settings). English.

## Uploads (shared)
ops-upload-sending = Uploading…
ops-upload-refused = Upload refused
ops-upload-no-file = Choose a file first, then send again.
ops-upload-empty = That file is empty.
ops-upload-too-large = { $what } is too large. The limit is { $mb } MB; make the file smaller or ask an administrator to raise the limit in Settings.
ops-upload-too-large-js = This file is too large. The limit is { "{" }mb{ "}" } MB; make the file smaller or ask an administrator to raise the limit in Settings.
ops-upload-failed-js = The upload was cut off before it finished. Check the connection and try again.
ops-upload-broken = The upload was incomplete or damaged. Please send it again.
ops-upload-server-error = The server could not store the upload; please try again.

## Media library
ops-media-upload = Upload a new file
ops-media-kind = Kind
ops-media-kind-image = Image
ops-media-kind-video = Video
ops-media-kind-audio = Audio
ops-media-caps = Size limits:
ops-media-label = Name
ops-media-label-hint = May be left empty: the file's name is used.
ops-media-file = File
ops-media-upload-button = Upload
ops-media-library = All files
ops-media-show = Show
ops-media-all-kinds = All kinds
ops-media-filter = Filter
ops-media-count = Files
ops-media-preview = Preview
ops-media-size = Size
ops-media-dims = Dimensions / duration
ops-media-used-by = Used by
ops-media-unused = Not used yet
ops-media-role-cover = cover
ops-media-role-trailer = trailer
ops-media-role-narration = narration
ops-media-role-poster = poster
ops-media-role-promo = promo video
ops-media-role-badge = badge
ops-media-choose-kind = Choose the kind of file: image, video or audio.
ops-media-wrong-type = This file's content is not the { $kind } chosen (or its format is not supported). Images: JPEG, PNG, WebP; video: MP4, MOV, WebM, MKV; audio: MP3, M4A, Ogg.
ops-media-too-many-pixels = This image has too many pixels to process (at most { $px } pixels a side, about 60 megapixels). Please scale it down and upload it again.
ops-media-undecodable = This file looks like { $kind } but is damaged and cannot be read.
ops-media-tool-failed = This video could not be processed. Try exporting it again as MP4 from the phone or editing app.
ops-media-uploaded = The file is stored in the media library.
ops-media-stored = Stored
ops-media-address = Address
ops-media-use-kind = Content
ops-media-use-name = Name
ops-media-use-role = As
ops-media-rename = Rename
ops-media-label-saved = The file's name is saved.
ops-media-replace = Replace the file
ops-media-replace-hint = The new file is used everywhere this one is (drafts included), all at once. The old file stays in the library.
ops-media-new-file = Replacement file
ops-media-replace-button = Replace everywhere
ops-media-replaced = File replaced; { $count } use(s) now use the new file.
ops-media-same-file = That file is exactly the current one; nothing changed.

## Catalogue import
ops-import-upload = Upload a catalogue file
ops-import-hint = MARC21 (.mrc, .marc, .dat; UTF-8 or MARC-8), MARCXML (.xml), or CSV as exported by SLiMS, INLISLite, Koha. Titles already here (same ISBN or control number) are updated; new titles are shown to visitors at once.
ops-import-file = Catalogue file
ops-import-button = Import
ops-import-report = Import report
ops-import-format = Format
ops-import-records = Records in the file
ops-import-imported = New titles
ops-import-updated = Titles updated
ops-import-skipped = Skipped
ops-import-skipped-why = Skipped records and why
ops-import-record-no = Record no.
ops-import-record-id = Control number / ISBN
ops-import-reason = Reason
ops-import-more-skips = Further skipped records (not shown)
ops-import-see-titles = See the titles
ops-import-unknown-format = This file is not MARC21, MARCXML or CSV.

## Settings
ops-settings-caps = Upload size limits
ops-settings-caps-hint = In megabytes (MB). Leave empty to use the server's default.
ops-settings-cap-image = Images
ops-settings-cap-video = Video
ops-settings-cap-audio = Audio
ops-settings-cap-catalog = Catalogue files
ops-settings-default = Server default
ops-settings-max = At most
ops-settings-bad-cap = { $what }: enter a whole number from 1 to { $max }, or leave it empty.
ops-settings-saved = Settings saved.
