# Pustaka AR — app strings (English, second language)
app-name = Pustaka AR
scan-hint = Point the camera at a QR code
codes-in-view = { $count ->
    [0] No code in view yet
    [one] 1 code in view
   *[other] { $count } codes in view
}
no-connection = No connection to the server
offline-banner = Offline: showing saved content
loading = Loading { $code }…
not-found = Code { $code } was not found
server-unreachable = Cannot reach the server, retrying…
foreign-code = Not a library code
foreign-code-domain = Not a library code · { $domain }
tap-for-more = Tap for more
featured-heading = Featured on this shelf
featured-more = { $count ->
    [one] and 1 more
   *[other] and { $count } more
}
close = Close
read-aloud = Read aloud
stop-reading = Stop reading
add-to-calendar = Add to calendar
open-ebook = Open e-book
watch-trailer = Watch trailer
open-web-page = Open the web page
read-ebook = Read the e-book
language = Language
camera-lost = Camera unavailable or disconnected, retrying…
video-loading = Loading the video…
video-unavailable = The video cannot play in the app
video-needs-ffmpeg = The video player (ffmpeg) is not installed; watch it in the browser
video-play = Play
video-pause = Pause
video-replay = Play again
sound = Sound
sound-hint = Turn the video's sound on or off (tapping the video works too)
sound-unavailable = Sound unavailable
no-voice = This device has no English voice to read the text aloud
