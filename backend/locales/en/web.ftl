# Web pages for visitors (/, /m/{code}, /ar/) — English.

## Every page
library = Metro City Library
skip = Skip to content
nav-label = Main navigation
# The other language's name, on the link that switches to it.
other-lang-name = Bahasa Indonesia
footer = Metro City Library, Lampung · Scan the codes on the shelves with the Pustaka AR app.
# The page's locale (og:locale) and the day and month names of event times.
locale = en_US
view-ar = View with the AR camera

## Event times, in WIB. strftime patterns (chrono): %A weekday, %-d day,
## %B month, %Y year, %H:%M time; day and month names follow `locale`.
when-start = %A, %-d %B %Y, %H:%M
when-end-same-day = %H:%M
when-instant = %-d %B %Y, %H:%M
when-end-other-day = %-d %B %Y, %H:%M
when = { $start }–{ $end } WIB

## A code's page (/m/{code})
video = Video
download-video = Download the video
event-details = Event details
when-label = When
where-label = Where
audience = For
add-to-calendar = Add to calendar
add-to-google-calendar = Add to Google Calendar
register = Register
details = Details
read-ebook = Read the e-book
share = Share
synopsis = Synopsis
about-shelf = About this shelf
featured = Featured on this shelf
about-event = About the event
narration = Story
kind-title = Book
kind-shelf = Shelf
kind-event = Event
kind-tour-stop = Reading tour
cover-of = Cover of { $title }
poster-of = Poster: { $title }
call-number = Call number
location = Location
isbn = ISBN
subjects = Subjects
not-found-title = Code not found
not-found-body = Sorry, this code is unknown or no longer active. Please ask a librarian at the service desk.

## The landing page (/)
home-heading = Pustaka AR
home-intro = Pustaka AR is an augmented-reality companion for visitors of Metro City Library. Point a phone camera at a QR code on a shelf, a book or an event poster: the cover, synopsis, video and event details appear on the screen. Even without the app, every code opens a web page like this one.
home-how-heading = How to use it
home-how-1 = Find a QR code on a shelf label, the back cover of a book or an event poster.
home-how-2 = Scan it with the Pustaka AR app, or with an ordinary phone camera.
home-how-3 = Read, listen or watch; children can follow a reading tour and collect badges.
home-events-heading = Upcoming events
home-no-events = No events are scheduled yet. Please ask a librarian at the service desk.
home-event-page = More
home-subscribe-heading = Event calendar
home-subscribe-body = Every library event in one calendar (iCalendar, WIB times) for your phone or computer.
home-subscribe-link = Download the event calendar (.ics)
home-subscribe-webcal = Subscribe to the event calendar
home-subscribe-google = Subscribe in Google Calendar (Android)
home-tours-heading = Reading tours
home-no-tours = No reading tours yet.
home-stops = stops
home-first-clue = First clue

## The AR camera is not installed (/ar/)
ar-heading = The AR camera is not available here
ar-body = The AR camera app for the browser is not installed on this library's server. Every code still opens as an ordinary web page: scan a QR code with your phone's camera, or open the library's web pages.
ar-code-link = Open the page of code
ar-home-link = Open the library's web pages
event-over = This event is over
event-over-hint = This event has ended. See the library's other events.
when-unset = No date yet

## Recordings and captions on a code's page.
listen = Listen
download-audio = Download the recording
captions-id = Indonesian
captions-en = English
